// Entry of the options page: wires the real channel to the app and nothing else.
import { render } from "preact";
import { browserSendAdmin } from "../ui/browser-admin.js";
import "../ui/styles.css";
import { OptionsApp } from "./options-app.js";

const root = document.getElementById("app");
if (root) render(<OptionsApp sendAdmin={browserSendAdmin()} />, root);
