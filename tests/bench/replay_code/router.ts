// A tiny HTTP-style router with typed handlers and middleware.

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Request {
  method: Method;
  path: string;
  params: Record<string, string>;
  body?: unknown;
}

export interface Response {
  status: number;
  body: unknown;
}

export type Handler = (req: Request) => Promise<Response>;
export type Middleware = (req: Request, next: Handler) => Promise<Response>;

interface Route {
  method: Method;
  parts: string[];
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];
  private middleware: Middleware[] = [];

  use(mw: Middleware): this {
    this.middleware.push(mw);
    return this;
  }

  on(method: Method, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split("/").filter(Boolean), handler });
    return this;
  }

  private match(method: Method, path: string): [Route, Record<string, string>] | undefined {
    const parts = path.split("/").filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method || route.parts.length !== parts.length) {
        continue;
      }
      const params: Record<string, string> = {};
      const ok = route.parts.every((part, i) => {
        if (part.startsWith(":")) {
          params[part.slice(1)] = parts[i];
          return true;
        }
        return part === parts[i];
      });
      if (ok) {
        return [route, params];
      }
    }
    return undefined;
  }

  async handle(method: Method, path: string, body?: unknown): Promise<Response> {
    const found = this.match(method, path);
    if (!found) {
      return { status: 404, body: { error: `no route for ${method} ${path}` } };
    }
    const [route, params] = found;
    const request: Request = { method, path, params, body };
    const chain = this.middleware.reduceRight<Handler>(
      (next, mw) => (req) => mw(req, next),
      route.handler,
    );
    return chain(request);
  }
}
