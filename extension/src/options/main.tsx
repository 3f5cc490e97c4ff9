import { render } from "preact";

render(<h1>ModelMesh options</h1>, document.getElementById("app")!);
