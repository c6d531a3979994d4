// The public GraphQL API over HTTP: POST /graphql with the staff token.

export interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

export interface UserError {
  code: string;
  message: string;
  field: string[] | null;
}

/** A request the server refused as a whole (top-level errors, HTTP status). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly codes: string[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }

  get unauthenticated(): boolean {
    return this.status === 401 || this.codes.includes("UNAUTHENTICATED");
  }
}

export const GRAPHQL_PATH = "/graphql";

export class Api {
  constructor(readonly token: string) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(GRAPHQL_PATH, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          Authorization: `Bearer ${this.token}`,
        },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new ApiError(`The server cannot be reached (${String(error)}).`, 0);
    }
    let body: { data?: T; errors?: GraphQLErrorShape[] };
    try {
      body = await response.json();
    } catch {
      throw new ApiError(`The server answered ${response.status} without GraphQL.`, response.status);
    }
    if (body.errors && body.errors.length > 0) {
      const codes = body.errors.map((e) => e.extensions?.code ?? "");
      throw new ApiError(body.errors.map((e) => e.message).join("; "), response.status, codes);
    }
    if (!body.data) throw new ApiError("The server sent no data.", response.status);
    return body.data;
  }
}

/** The user errors of a payload as one sentence, or null when there are none. */
export function userErrorText(errors: UserError[] | undefined): string | null {
  if (!errors || errors.length === 0) return null;
  return errors.map((e) => e.message).join(" ");
}
