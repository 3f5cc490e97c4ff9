import { readFileSync, readdirSync, statSync } from "node:fs";
import { summariseProfile } from "./profile-proxy.js";
const dir = process.argv[2]!;
const file = readdirSync(dir).sort((a, b) => statSync(`${dir}/${b}`).size - statSync(`${dir}/${a}`).size)[0]!;
process.stdout.write(summariseProfile(JSON.parse(readFileSync(`${dir}/${file}`, "utf8")), 35));
