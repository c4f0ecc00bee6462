/**
 * The caregiver's day follows the account's changes: a visit or a punchcard that starts within
 * the day's bounds, or one of the visits shown, reads the day's visits again, at most once per
 * 300 ms whatever the burst.
 */
import { useCallback, useEffect, useRef } from "react";
import { fetchQuery, useRelayEnvironment, type GraphQLTaggedNode } from "react-relay";
import type { OperationType } from "relay-runtime";

import { startOf, useChanges, type ChangeRecordKind } from "../../lib/live";

const FOLLOWED: readonly ChangeRecordKind[] = ["EVENT", "PUNCHCARD"];
const COALESCE_MS = 300;
const POLL_MS = 60_000;

type Bounds = { from: string; to: string };

/** Keep the day's query fresh while mounted; `live` says whether changes arrive as made. */
export function useFollowedDay<Q extends OperationType>(
  query: GraphQLTaggedNode,
  variables: Q["variables"] & Bounds,
  shown: ReadonlySet<string>,
): { live: boolean } {
  const environment = useRelayEnvironment();
  const pending = useRef<number | undefined>(undefined);
  const latest = useRef(variables);
  latest.current = variables;

  // one read per burst: the first change starts the timer, the others ride along
  const refetch = useCallback(() => {
    if (pending.current !== undefined) return;
    pending.current = window.setTimeout(() => {
      pending.current = undefined;
      fetchQuery<Q>(environment, query, latest.current, { fetchPolicy: "network-only" }).subscribe({});
    }, COALESCE_MS);
  }, [environment, query]);
  useEffect(() => () => window.clearTimeout(pending.current), []);

  const from = Date.parse(variables.from);
  const to = Date.parse(variables.to);
  const { live } = useChanges(
    FOLLOWED,
    (change) => {
      const start = startOf(change);
      const inDay = start != null && start >= from && start < to;
      const record = change.record;
      if (inDay || shown.has(record.id) || (record.event != null && shown.has(record.event.id))) refetch();
    },
    refetch,
  );

  // A caregiver taken off a visit may no longer read it, so the server sends them no change
  // for it: the day is read again when the socket is up again (see useChanges) and every
  // minute while the page is visible, so that such a visit leaves the screen within a minute.
  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") refetch();
    }, POLL_MS);
    return () => window.clearInterval(timer);
  }, [refetch]);

  return { live };
}
