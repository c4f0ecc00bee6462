/**
 * The board follows the account's changes (`subscription changes`) over graphql-transport-ws
 * on /graphql, signed in with the page's access token. A change of a visit, a series or a
 * punchcard is handed to the board, which reads again the visits it shows when the change
 * concerns them. When the socket is closed (a new token, a restart) it resumes from the last
 * change seen, so nothing is missed; while it is down, the board polls.
 */
import { createClient, type Client } from "graphql-ws";
import { useEffect, useRef, useState } from "react";

import { accessToken } from "../../lib/session";

export type BoardChange = {
  id: string;
  event: string;
  recordKind: string;
  record: {
    id: string;
    start?: string | null;
    event?: { id: string; start: string } | null;
  };
};

const CHANGES = `subscription BoardScreenChanges($after: String) {
  changes(records: [EVENT, EVENT_GROUP, PUNCHCARD], after: $after) {
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

function socketUrl(): string {
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** Follow the changes while mounted; `live` says whether the socket is up. */
export function useBoardChanges(onChange: (change: BoardChange) => void): { live: boolean } {
  const [live, setLive] = useState(false);
  const handler = useRef(onChange);
  handler.current = onChange;

  useEffect(() => {
    let stopped = false;
    let after: string | null = null;
    let retry: number | undefined;
    let unsubscribe: (() => void) | null = null;
    const client: Client = createClient({
      url: socketUrl(),
      lazy: true,
      retryAttempts: 0, // resubscribed below, from the last change seen
      connectionParams: async () => ({ Authorization: `Bearer ${(await accessToken()) ?? ""}` }),
      on: {
        connected: () => setLive(true),
        closed: () => setLive(false),
      },
    });

    const follow = () => {
      if (stopped) return;
      unsubscribe = client.subscribe<{ changes: BoardChange }>(
        { query: CHANGES, variables: { after } },
        {
          next: ({ data }) => {
            if (!data) return;
            after = data.changes.id;
            handler.current(data.changes);
          },
          error: (error) => {
            setLive(false);
            // a resume point past the retention window: start afresh (the board polls anyway)
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
  }, []);

  return { live };
}
