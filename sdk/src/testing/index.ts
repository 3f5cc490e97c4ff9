export { mockClient, MockMeshClient, type MockClientOptions } from "./mock-client.js";
export { MockProvider, type MockResponse, type RecordedCall } from "./mock-provider.js";
