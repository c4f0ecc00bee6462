"""The guarded data path: the only package that talks to MongoDB for records.

- `Scope`: one actor's view of one account; its collections scope every query (scope.py).
- `Tx`: the unit of work, `await scope.transact(work)`: writes, revisions and audit entries
  commit together, retried on transient errors in one place (unit.py).
- `RecordStore`: validated create, revision-checked update, soft delete and restore of one
  record type, on top of both (records.py).
- `System`: the few paths that act outside one account (system.py), all in one place.
- `Contents`: the file contents (GridFS) of one account, reached through its file records
  (content.py).
- `policy.py`: the policy table: built-in roles, who reads each record type, the field
  groups' permissions, every root field's rule (`roles_table.py` renders it for the README).
- `rows.py` and `fields.py`: the table applied to every read (a role's rows; the marked fields
  it may not read, left out) and write (marked fields it may not write, refused).
- `indexes.py`: indexes whose options come from the settings (idempotency keys' expiry).
- `migrations.py`: start-up repairs of a data folder written before the data path.
"""
