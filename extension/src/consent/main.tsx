import { render } from "preact";

render(<h1>ModelMesh consent</h1>, document.getElementById("app")!);
