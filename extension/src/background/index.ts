// Service worker entry: thin on purpose; everything is in worker.ts and the modules it wires.
import browser from "webextension-polyfill";
import { startWorker, type WorkerBrowser } from "./worker.ts";

startWorker(browser as unknown as WorkerBrowser);
