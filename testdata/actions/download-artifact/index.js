// Stand-in for actions/download-artifact@v8, for scripts/e2e-action.sh: see
// action.yml. Like the real action: with name, that artifact goes into
// path; otherwise every artifact of the run whose name matches pattern
// (minimatch; all without one) goes into path/NAME, or into path itself
// with merge-multiple.
'use strict';
const path = require('path');

const lib = process.env.FOOLTEST_ARTIFACT_LIB || '/opt/fooltest-artifact/node_modules';
const core = require(path.join(lib, '@actions/core'));
const { DefaultArtifactClient } = require(path.join(lib, '@actions/artifact'));
const { minimatch } = require(path.join(lib, 'minimatch'));

async function main() {
  const name = core.getInput('name');
  const pattern = core.getInput('pattern');
  const dest = path.resolve(core.getInput('path') || process.env.GITHUB_WORKSPACE || '.');
  const merge = core.getBooleanInput('merge-multiple');
  const client = new DefaultArtifactClient();

  let artifacts;
  let single = false;
  if (name) {
    const { artifact } = await client.getArtifact(name);
    artifacts = [artifact];
    single = true;
  } else {
    ({ artifacts } = await client.listArtifacts({ latest: true }));
    if (pattern) artifacts = artifacts.filter((a) => minimatch(a.name, pattern));
    core.info(`Found ${artifacts.length} artifact(s)${pattern ? ` matching ${pattern}` : ''}`);
  }
  if (artifacts.length === 0) throw new Error(`no artifacts to download${pattern ? ` match ${pattern}` : ''}`);
  for (const a of artifacts) {
    const to = single || merge ? dest : path.join(dest, a.name);
    core.info(`Downloading artifact ${a.name} (ID ${a.id}, ${a.size} bytes) to ${to}`);
    await client.downloadArtifact(a.id, { path: to });
  }
  core.info(`Total of ${artifacts.length} artifact(s) downloaded`);
  core.setOutput('download-path', dest);
}

main().catch((err) => core.setFailed(err.message));
