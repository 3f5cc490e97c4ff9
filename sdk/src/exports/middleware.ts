export { Middleware, type MiddlewareContext, type MiddlewareLike } from "../core/middleware.js";
