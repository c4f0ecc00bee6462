"""Live: one change feed per account, read from the audit trail after commit (a transactional
outbox), followed by GraphQL subscriptions (graphql-transport-ws on /graphql) and sent to
signed webhooks.

- events.py: what each change is called (`punchcard.clocked_in`), from its audit entry;
- feed.py: the publisher (outbox to numbered feed) and reading the feed; leader.py: the lease
  under which one process publishes and sends; hub.py: a process following feeds;
- subscriptions.py, sockets.py: `changes`, the socket's sign-in and its revocation;
- services.py, targets.py, signing.py, deliveries.py, dispatcher.py: webhooks, where they may
  deliver, their signatures, their deliveries and how they are sent.
"""
