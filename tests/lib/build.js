// Where the client tests find the binaries under test.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// $envVar (ctest sets it), else `rel` in the first of the usual build directories that has it.
export function builtBinary(envVar, rel, builds) {
  if (process.env[envVar]) return process.env[envVar];
  for (const b of builds) {
    const p = path.join(root, b, rel);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`${path.basename(rel)} not found: set ${envVar}`);
}
