"""Stored files: content in GridFS (bucket `file_contents`), metadata as `files` records that
belong to a patient, user, account, contact or candidate; uploaded and downloaded over HTTP
(`POST /files`, `GET /files/{id}`) and described in the graph as `File` nodes."""
