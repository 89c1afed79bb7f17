import { render } from "preact";
import { App } from "./app.js";
import "@xterm/xterm/css/xterm.css";
import "./styles.css";
import "./styles/automation.css";
import "./styles/terminals.css";

const root = document.getElementById("app");
if (root) render(<App />, root);
