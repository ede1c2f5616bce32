/**
 * A tiny zip writer for the Java archive tests: jars, wars and ears are zip files, and the
 * tests build them from text fixtures instead of keeping binaries in the repository.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";

/** One member: its name and content, stored (method 0) or deflated (8, the default). */
export interface JarMember {
  readonly name: string;
  readonly data: string | Buffer;
  readonly method?: 0 | 8;
}

/** A zip archive of the members, in order, with a central directory and end record. */
export function buildJar(members: readonly JarMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const member of members) {
    const name = Buffer.from(member.name, "utf8");
    const data = typeof member.data === "string" ? Buffer.from(member.data, "utf8") : member.data;
    const method = member.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names are UTF-8
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The files under a directory as members named by their relative paths, sorted. */
export function membersFromDirectory(dir: string, prefix = ""): JarMember[] {
  const out: JarMember[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...membersFromDirectory(full, `${prefix}${name}/`));
    else out.push({ name: `${prefix}${name}`, data: readFileSync(full) });
  }
  return out;
}

/** A `pom.properties` member at the path Maven writes it to. */
export function pomProperties(groupId: string, artifactId: string, version: string): JarMember {
  return {
    name: `META-INF/maven/${groupId}/${artifactId}/pom.properties`,
    data: `#Created by Apache Maven 3.9.6\nversion=${version}\ngroupId=${groupId}\nartifactId=${artifactId}\n`,
  };
}

/** A `META-INF/MANIFEST.MF` member with the given main attributes. */
export function manifest(attributes: Readonly<Record<string, string>>): JarMember {
  const lines = ["Manifest-Version: 1.0", ...Object.entries(attributes).map(([k, v]) => `${k}: ${v}`)];
  return { name: "META-INF/MANIFEST.MF", data: `${lines.join("\r\n")}\r\n\r\n` };
}
