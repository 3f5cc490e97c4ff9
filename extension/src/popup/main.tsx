// Entry of the popup: wires the real channels to the app and nothing else.
import { render } from "preact";
import { browserSendAdmin, connectBrowserChat, openBrowserOptions } from "../ui/browser-admin.js";
import "../ui/styles.css";
import { PopupApp } from "./popup-app.js";

const root = document.getElementById("app");
if (root) render(<PopupApp sendAdmin={browserSendAdmin()} connectChat={connectBrowserChat} openOptions={openBrowserOptions} />, root);
