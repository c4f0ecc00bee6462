/** Errors from the API, in the API's own words, for the error boundary and the forms. */

export type GraphQLErrorEntry = {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
};

/** A request the API refused or answered with errors and no data. */
export class ApiError extends Error {
  readonly errors: ReadonlyArray<GraphQLErrorEntry>;
  readonly status: number;

  constructor(errors: ReadonlyArray<GraphQLErrorEntry>, status: number) {
    super(errors.map((e) => e.message).join("\n") || `The server answered ${status}.`);
    this.name = "ApiError";
    this.errors = errors;
    this.status = status;
  }

  /** The first error's code (FORBIDDEN, UNAUTHENTICATED...), if it has one. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** What to show a person for any thrown value: the API's message when there is one. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    // Relay wraps network errors; its message then holds ours
    return error.message || "Something went wrong.";
  }
  return typeof error === "string" ? error : "Something went wrong.";
}

/** A mutation payload's `userErrors`, as one readable sentence per error. */
export type UserErrorLike = { readonly message: string; readonly code?: string | null };

export function userErrorText(errors: ReadonlyArray<UserErrorLike> | null | undefined): string {
  return (errors ?? []).map((e) => e.message).join(" ");
}
