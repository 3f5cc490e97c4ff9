import { render } from "preact";

render(<h1>ModelMesh popup</h1>, document.getElementById("app")!);
