"""PDF attachments of consultations and meetings."""
