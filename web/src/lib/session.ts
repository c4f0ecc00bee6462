/**
 * The signed-in session: the access token lives in memory only; the refresh secret is an
 * HttpOnly cookie the page never sees (app/identity/routes.py). A new token comes from
 * `POST /auth/refresh`, which spends the cookie's secret and sets the next one.
 */

export type Token = { accessToken: string; expiresAt: string };

let current: Token | null = null;
let refreshing: Promise<Token | null> | null = null;
const listeners = new Set<() => void>();

/** Refresh this long before the token expires. */
const MARGIN_MS = 60_000;

function notify(): void {
  for (const listener of listeners) listener();
}

/** Subscribe to sign-in and sign-out (for React's useSyncExternalStore). */
export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function isSignedIn(): boolean {
  return current !== null;
}

/** Keep the token `signIn` answered (it also set the refresh cookie). */
export function signedIn(token: Token): void {
  current = token;
  notify();
}

function fresh(token: Token | null): boolean {
  return token !== null && Date.parse(token.expiresAt) - Date.now() > MARGIN_MS;
}

/** The access token to send, refreshed through the cookie when it is (nearly) expired. */
export async function accessToken(): Promise<string | null> {
  if (fresh(current)) return current?.accessToken ?? null;
  const token = await refresh();
  return token?.accessToken ?? null;
}

/**
 * A new token from the session cookie; null when there is no session (the cookie is missing,
 * spent or expired). One refresh at a time: a second caller waits for the first.
 */
export function refresh(): Promise<Token | null> {
  refreshing ??= doRefresh().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function doRefresh(attempt = 0): Promise<Token | null> {
  const response = await fetch("/auth/refresh", { method: "POST", credentials: "same-origin" });
  if (response.status === 409 && attempt < 3) {
    // another tab spent the secret a moment ago: its new cookie is ours too, try again
    await new Promise((resolve) => setTimeout(resolve, 300));
    return doRefresh(attempt + 1);
  }
  const wasSignedIn = current !== null;
  // 204: no session cookie at all (signed out); 401: one that is spent or has expired
  if (!response.ok || response.status === 204) {
    current = null;
    if (wasSignedIn) notify();
    return null;
  }
  current = (await response.json()) as Token;
  if (!wasSignedIn) notify();
  return current;
}

/** End the session on the server (the cookie's) and forget the token. */
export async function signOut(): Promise<void> {
  try {
    await fetch("/auth/sign-out", { method: "POST", credentials: "same-origin" });
  } finally {
    current = null;
    notify();
  }
}
