import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../wire/error-base.js";
import { requireModel } from "./caller-error.js";

describe("requireModel", () => {
  it("refuses a request without a model name, blank or not a string, naming the param and what to write", () => {
    for (const body of [{}, { model: "" }, { model: "   " }, { model: 3 }, { model: null }]) {
      let thrown: unknown;
      try {
        requireModel(body as { model?: unknown });
      } catch (error) {
        thrown = error;
      }
      expect(thrown, JSON.stringify(body)).toBeInstanceOf(InvalidRequestError);
      expect((thrown as InvalidRequestError).param).toBe("model");
      expect((thrown as InvalidRequestError).message).toMatch(/^model is required: name a pool/);
    }
    expect(() => requireModel({ model: "chat-completion" })).not.toThrow();
  });
});
