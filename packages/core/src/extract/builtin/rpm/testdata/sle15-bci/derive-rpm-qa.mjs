// Derives rpm-qa.tsv (same columns as the other rpm-qa.tsv files: name, epoch (0 when absent),
// version, release, arch, sourcerpm, license) from the `SLE15WithNDB` table of go-rpmdb's
// pkg/rpmdb_testcase_test.go, which its authors produced with `rpm -qa` inside
// registry.suse.com/bci/bci-minimal:15.3. Debian's rpm has no ndb backend, so this table is the
// only independent expected list for Packages.db.
//
// Usage: node derive-rpm-qa.mjs path/to/rpmdb_testcase_test.go > rpm-qa.tsv
import { readFileSync } from "node:fs";

const text = readFileSync(process.argv[2], "utf8");
const start = text.indexOf("SLE15WithNDB = []*PackageInfo{");
if (start < 0) throw new Error("no SLE15WithNDB table in the input");
const end = text.indexOf("\n\t}", start);
const row = /^\s*\{intRef\((\d*)\), "([^"]*)", "([^"]*)", "([^"]*)", "([^"]*)", "([^"]*)", \d+, "([^"]*)",/;
const lines = [];
for (const line of text.slice(start, end).split("\n").slice(1)) {
  const m = row.exec(line);
  if (!m) throw new Error(`unexpected line: ${line}`);
  const [, epoch, name, version, release, arch, sourceRpm, license] = m;
  lines.push([name, epoch === "" ? "0" : epoch, version, release, arch, sourceRpm, license].join("\t"));
}
lines.sort();
process.stdout.write(`${lines.join("\n")}\n`);
