"""Hosting municipalities: onboarding, tenant lifecycle, (later) plans, billing, operator console.

A built-in plugin: loaded through the ``sympraxis.plugins`` entry point like any other, always on.
"""
