/**
 * The invoices a running batch makes, as they commit: the account's `invoice.created` changes,
 * followed over graphql-transport-ws on /graphql (the API's live changes). A few lines of the
 * protocol rather than a client library: one subscription, for the length of one batch.
 */
import { accessToken } from "../../lib/session";

const SUBSCRIPTION = "subscription { changes(records: [INVOICE]) { id event } }";

export type Follow = { stop: () => void };

/**
 * Calls `onInvoice` for each invoice made from now on; resolves once the subscription is
 * running (or could not start within `waitMs`: the batch then shows no count, only that it
 * runs).
 */
export async function followNewInvoices(onInvoice: () => void, waitMs = 2000): Promise<Follow> {
  const token = await accessToken();
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/graphql`;
  let socket: WebSocket;
  try {
    socket = new WebSocket(url, "graphql-transport-ws");
  } catch {
    return { stop: () => undefined };
  }
  const stop = () => {
    if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: "1", type: "complete" }));
    socket.close(1000);
  };
  await new Promise<void>((ready) => {
    const timer = setTimeout(ready, waitMs);
    socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
    socket.onmessage = (message) => {
      const body = JSON.parse(String(message.data)) as { type: string; payload?: { data?: { changes?: { event?: string } } } };
      if (body.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: SUBSCRIPTION } }));
        // the server starts the subscription with the next message it reads: the batch may go
        clearTimeout(timer);
        ready();
      } else if (body.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (body.type === "next" && body.payload?.data?.changes?.event === "invoice.created") {
        onInvoice();
      }
    };
    socket.onerror = socket.onclose = () => {
      clearTimeout(timer);
      ready();
    };
  });
  return { stop };
}
