/**
 * Paging a list by Relay cursors: `usePaging` keeps the page number and reads another page
 * (or the first again when a filter changes), and `Pager` draws previous / next with
 * "Page n of m" under the list.
 */
import { Button, Group, Text } from "@mantine/core";
import { useEffect, useRef, useState, useTransition, type DependencyList } from "react";

export type PagerProps = {
  page: number;
  pages: number;
  pageInfo: { hasPreviousPage: boolean; hasNextPage: boolean };
  /** A page is being read: both buttons wait. */
  pending: boolean;
  onPrevious: () => void;
  onNext: () => void;
};

type Connection = {
  readonly totalCount: number;
  readonly pageInfo: {
    readonly hasPreviousPage: boolean;
    readonly hasNextPage: boolean;
    readonly startCursor?: string | null;
    readonly endCursor?: string | null;
  };
};

/**
 * A refetchable fragment's list, paged: `refetch` is the fragment's, `filters` its variables
 * besides the cursors; a change of `resetWhen` reads the first page again.
 */
export function usePaging(
  // Relay types each refetch's variables; this hook only adds the cursors to them
  refetch: (variables: never, options: { fetchPolicy: "network-only" }) => unknown,
  filters: object,
  pageSize: number,
  resetWhen: DependencyList,
) {
  const [page, setPage] = useState(1);
  const [pending, startTransition] = useTransition();
  const mounted = useRef(false);

  function load(cursors: object, nextPage: number) {
    const variables = { ...filters, first: null, after: null, last: null, before: null, ...cursors };
    startTransition(() => {
      refetch(variables as never, { fetchPolicy: "network-only" });
      setPage(nextPage);
    });
  }

  useEffect(() => {
    if (!mounted.current) {
      mounted.current = true;
      return;
    }
    load({ first: pageSize }, 1);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, resetWhen);

  function pager(connection: Connection): PagerProps {
    const { pageInfo } = connection;
    return {
      page,
      pages: Math.max(1, Math.ceil(connection.totalCount / pageSize)),
      pageInfo,
      pending,
      onPrevious: () => load({ last: pageSize, before: pageInfo.startCursor }, page - 1),
      onNext: () => load({ first: pageSize, after: pageInfo.endCursor }, page + 1),
    };
  }
  return { pending, pager };
}

export function Pager({ page, pages, pageInfo, pending, onPrevious, onNext }: PagerProps) {
  return (
    <Group justify="space-between" mt="sm">
      <Button
        variant="default"
        disabled={!pageInfo.hasPreviousPage || page <= 1 || pending}
        onClick={onPrevious}
      >
        Previous page
      </Button>
      <Text size="sm">
        Page {page} of {pages}
      </Text>
      <Button variant="default" disabled={!pageInfo.hasNextPage || pending} onClick={onNext}>
        Next page
      </Button>
    </Group>
  );
}

/** A list's count above it ("3 patients"), and whether the next page is on its way. */
export function ListCount({ count, noun, pending, testId }: { count: number; noun: string; pending: boolean; testId: string }) {
  return (
    <Text size="sm" c="dimmed" mb="xs" role="status" data-testid={testId}>
      {count} {noun}
      {count === 1 ? "" : "s"}
      {pending ? " · loading…" : ""}
    </Text>
  );
}
