/**
 * The Relay environment: each request carries the bearer token (refreshed through the session
 * cookie when needed), and errors the API answers become an ApiError with its words.
 */
import {
  Environment,
  Network,
  RecordSource,
  Store,
  type FetchFunction,
  type GraphQLResponse,
} from "relay-runtime";

import { accessToken, refresh } from "../lib/session";
import { ApiError, type GraphQLErrorEntry } from "./errors";

type Body = { data?: unknown; errors?: GraphQLErrorEntry[] };

async function post(text: string | null | undefined, variables: object, token: string | null) {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Accept: "application/json",
    // signIn answers the refresh cookie only to a client that asks for it
    "Caregraph-Session": "cookie",
  };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch("/graphql", {
    method: "POST",
    headers,
    credentials: "same-origin",
    body: JSON.stringify({ query: text, variables }),
  });
}

async function readBody(response: Response): Promise<Body> {
  try {
    return (await response.json()) as Body;
  } catch {
    throw new ApiError([{ message: `The server answered ${response.status} without data.` }], response.status);
  }
}

const fetchGraphQL: FetchFunction = async (operation, variables) => {
  let response = await post(operation.text, variables, await accessToken());
  if (response.status === 401) {
    // the token ended early (signed out elsewhere, password changed): one refresh, one retry
    const token = await refresh();
    if (token) response = await post(operation.text, variables, token.accessToken);
  }
  const body = await readBody(response);
  if (!response.ok || body.data == null) {
    throw new ApiError(body.errors ?? [], response.status);
  }
  // data with errors (a field the role may not read is null with FORBIDDEN): Relay keeps the
  // data; the fields are nullable in the schema, so the screen shows them as missing
  return body as GraphQLResponse;
};

export function createEnvironment(): Environment {
  return new Environment({
    network: Network.create(fetchGraphQL),
    store: new Store(new RecordSource()),
  });
}
