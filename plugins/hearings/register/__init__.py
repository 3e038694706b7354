"""The complete register: recommendations received outside the platform, and its legal exports."""
