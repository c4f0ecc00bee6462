"""Conversations between staff about a patient or a topic (participants, messages posted one
at a time), and the notes the office keeps about staff members and caregivers."""
