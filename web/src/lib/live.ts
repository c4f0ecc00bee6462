/**
 * A screen follows the account's changes (`subscription changes`) over graphql-transport-ws on
 * /graphql, signed in with the page's access token. A change of one of the records asked for is
 * handed to the screen, which reads again what it shows when the change concerns it. When the
 * socket is closed (a new token, a restart) it resumes from the last change seen, so nothing is
 * missed. The server sends a change only for a record the subscriber may read: a screen that
 * must see records taken away from it (a caregiver taken off a visit) reads again on its own.
 */
import { createClient, type Client } from "graphql-ws";
import { useEffect, useRef, useState } from "react";

import { accessToken } from "./session";

/** The kinds of record a screen may follow (the schema's `ChangeRecordKind`, those in use). */
export type ChangeRecordKind = "EVENT" | "EVENT_GROUP" | "PUNCHCARD";

export type Change = {
  id: string;
  event: string;
  recordKind: string;
  record: {
    id: string;
    start?: string | null;
    event?: { id: string; start: string } | null;
  };
};

function changesQuery(records: readonly ChangeRecordKind[]): string {
  return `subscription Changes($after: String) {
  changes(records: [${records.join(", ")}], after: $after) {
    id
    event
    recordKind
    record {
      id
      ... on Event { start }
      ... on Punchcard { event { id start } }
    }
  }
}`;
}

function socketUrl(): string {
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** When a change's record starts: a visit's start, or its visit's for a punchcard. */
export function startOf(change: Change): number | null {
  const start = change.record.start ?? change.record.event?.start;
  return start == null ? null : Date.parse(start);
}

/**
 * Follow the changes of these kinds of record while mounted; `live` says whether the socket is
 * up. `onReconnected` is called when the socket is up again after it was down (not at the first
 * connection): what the server could not send meanwhile (a record one may no longer read) is
 * for the screen to read again.
 */
export function useChanges(
  records: readonly ChangeRecordKind[],
  onChange: (change: Change) => void,
  onReconnected?: () => void,
): { live: boolean } {
  const [live, setLive] = useState(false);
  const handler = useRef(onChange);
  handler.current = onChange;
  const reconnected = useRef(onReconnected);
  reconnected.current = onReconnected;
  const query = changesQuery(records);

  useEffect(() => {
    let stopped = false;
    let after: string | null = null;
    let retry: number | undefined;
    let unsubscribe: (() => void) | null = null;
    let connections = 0;
    const client: Client = createClient({
      url: socketUrl(),
      lazy: true,
      retryAttempts: 0, // resubscribed below, from the last change seen
      connectionParams: async () => ({ Authorization: `Bearer ${(await accessToken()) ?? ""}` }),
      on: {
        connected: () => {
          setLive(true);
          connections += 1;
          if (connections > 1) reconnected.current?.();
        },
        closed: () => setLive(false),
      },
    });

    const follow = () => {
      if (stopped) return;
      unsubscribe = client.subscribe<{ changes: Change }>(
        { query, variables: { after } },
        {
          next: ({ data }) => {
            if (!data) return;
            after = data.changes.id;
            handler.current(data.changes);
          },
          error: (error) => {
            setLive(false);
            // a resume point past the retention window: start afresh (the screens poll anyway)
            if (JSON.stringify(error).includes("CHANGES_EXPIRED")) after = null;
            retry = window.setTimeout(follow, 2000);
          },
          complete: () => undefined,
        },
      );
    };
    follow();
    return () => {
      stopped = true;
      window.clearTimeout(retry);
      unsubscribe?.();
      void client.dispose();
    };
  }, [query]);

  return { live };
}
