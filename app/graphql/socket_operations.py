"""What the subscription socket runs: subscriptions only.

graphql-transport-ws lets a client send any operation over the socket, but Caregraph's
queries and mutations live on HTTP, where their idempotency keys, throttles, response
cookies (a sign-out's) and request logs are; over the socket a mutation would skip them. So a
document that does not parse, or that is not a subscription, is answered by an `error`
message for its id, in words, and the socket stays open for the client's other operations.
"""

from __future__ import annotations

from graphql import GraphQLError, OperationType, get_operation_ast, parse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage

from app.graphql.context import Context

NOT_A_SUBSCRIPTION = (
    "Only subscriptions are served over the websocket: send queries and mutations over HTTP "
    "(POST /graphql)."
)


def refusal_of(query: object, operation_name: object) -> GraphQLError | None:
    """Why the socket will not run this document, or None when it is a subscription."""
    if not isinstance(query, str):
        return GraphQLError("The subscription's query must be a string of GraphQL.")
    try:
        document = parse(query)
    except GraphQLError as error:
        return error
    name = operation_name if isinstance(operation_name, str) else None
    operation = get_operation_ast(document, name)
    if operation is not None and operation.operation is not OperationType.SUBSCRIPTION:
        return GraphQLError(NOT_A_SUBSCRIPTION)
    return None  # a subscription, or an unnamed choice GraphQL's own rules report


class SubscriptionsOnly(BaseGraphQLTransportWSHandler[Context, None]):
    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload = message.get("payload") or {}
        refusal = refusal_of(payload.get("query"), payload.get("operationName"))
        if refusal is None or not self.connection_acknowledged:
            # an unacknowledged socket is closed by the protocol's own rule (4401)
            await super().handle_subscribe(message)
            return
        await self.send_message(
            {"id": message["id"], "type": "error", "payload": [refusal.formatted]}
        )
