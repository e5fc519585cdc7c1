// Stand-in for actions/upload-artifact@v7, for scripts/e2e-action.sh: see
// action.yml. Like the real action it uploads the files under each path,
// named relative to the paths' closest common folder, with
// DefaultArtifactClient.uploadArtifact. It does not expand wildcards.
'use strict';
const fs = require('fs');
const path = require('path');

const lib = process.env.FOOLTEST_ARTIFACT_LIB || '/opt/fooltest-artifact/node_modules';
const core = require(path.join(lib, '@actions/core'));
const { DefaultArtifactClient } = require(path.join(lib, '@actions/artifact'));

function walk(p, out) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) {
    out.push(p);
    return;
  }
  for (const e of fs.readdirSync(p).sort()) {
    if (e.startsWith('.')) continue; // include-hidden-files: false
    walk(path.join(p, e), out);
  }
}

// commonFolder is the deepest folder that holds every one of dirs.
function commonFolder(dirs) {
  let parts = dirs[0].split(path.sep);
  for (const d of dirs.slice(1)) {
    const q = d.split(path.sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(path.sep) || path.sep;
}

async function main() {
  const name = core.getInput('name') || 'artifact';
  const ifNone = core.getInput('if-no-files-found') || 'warn';
  const paths = core.getMultilineInput('path', { required: true }).map((p) => path.resolve(p));
  for (const p of paths) {
    if (/[*?[\]]/.test(p)) throw new Error(`${p}: this stand-in does not expand wildcards`);
  }
  const existing = paths.filter((p) => fs.existsSync(p));
  const files = [];
  for (const p of existing) walk(p, files);
  if (files.length === 0) {
    const msg = `No files were found with the provided path: ${paths.join(', ')}. No artifacts will be uploaded.`;
    if (ifNone === 'error') throw new Error(msg);
    if (ifNone === 'warn') core.warning(msg);
    else core.info(msg);
    return;
  }
  const root = commonFolder(existing.map((p) => (fs.statSync(p).isDirectory() ? p : path.dirname(p))));
  core.info(`With the provided path, there will be ${files.length} files uploaded (root ${root})`);
  const options = {};
  const days = parseInt(core.getInput('retention-days') || '0', 10);
  if (days > 0) options.retentionDays = days;
  options.compressionLevel = parseInt(core.getInput('compression-level') || '6', 10);
  const res = await new DefaultArtifactClient().uploadArtifact(name, files, root, options);
  core.info(`Artifact ${name} has been successfully uploaded! Final size is ${res.size} bytes. Artifact ID is ${res.id}`);
  core.setOutput('artifact-id', res.id);
  if (res.digest) core.setOutput('artifact-digest', res.digest);
}

main().catch((err) => core.setFailed(err.message));
