import { expect, it } from "vitest";
import { AuthenticationError, ModelMeshError, ProviderError, RateLimitError, TimeoutError } from "../src/index.js";
import { mockClient } from "../src/testing/index.js";

// A custom provider may raise the typed errors with a message alone (`throw new AuthenticationError("Bad key")`):
// that is the error it means, not a TypeError about a missing field.
it("builds every provider error from a message alone", () => {
  for (const ErrorClass of [ProviderError, AuthenticationError, RateLimitError, TimeoutError]) {
    const error = new ErrorClass("Bad key");
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe("Bad key");
    expect(error.providerId).toBe("");
    expect(ModelMeshError.fromJSON(error.toJSON())).toBeInstanceOf(ErrorClass);
  }
  expect(new RateLimitError("slow down", { retryAfter: 10 }).retryAfter).toBe(10);
});

it("reaches the caller as raised by a provider that gave no fields", async () => {
  const client = mockClient({ responses: [{ error: new AuthenticationError("Bad key") }] });
  const error = await client.chat.completions.create({ model: "chat-completion", messages: [{ role: "user", content: "Hi" }] }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(AuthenticationError);
  expect((error as AuthenticationError).retryable).toBe(false);
});
