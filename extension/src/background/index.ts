// Service worker entry: thin; the work is in the modules beside it.
import { registerConnectors, OpenAIProvider, IndexedDBStorage } from "modelmesh/static";

registerConnectors([OpenAIProvider, IndexedDBStorage]);
