// `decrypt-recording` on an archive's zip, with zips that are not what the server makes: not a
// zip, no recordings in it, a recording named with a path that climbs out (read to a flat
// temporary name, never written there; its damaged content refused with a clear error).
import * as fs from 'node:fs';
import * as path from 'node:path';
import test from 'ava';
import yazl from 'yazl';
import { decryptArchiveZip } from '../lib/recording/archive-zip';
import { RecordingError } from '../lib/recording/decrypt-recording';
import { tempDir } from './helpers/temp-dir';

const STREAM = 's-01234567-89ab-cdef-0123-456789abcdef';

async function makeZip(file: string, entries: Array<[string, Buffer]>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  await new Promise<void>((resolve, reject) => {
    zip.outputStream.pipe(fs.createWriteStream(file)).on('close', resolve).on('error', reject);
  });
}

test('zips that are not an archive\'s are refused with RecordingError, and nothing is written outside the output folder', async (t) => {
  const dir = tempDir(t, 'otc-archive-zip-');
  const opts = { secret: 'a secret' };
  const notZip = path.join(dir, 'not.zip');
  fs.writeFileSync(notZip, 'this is not a zip');
  await t.throwsAsync(decryptArchiveZip(notZip, path.join(dir, 'out1'), opts), { instanceOf: RecordingError, message: /not a zip file/ });

  const empty = path.join(dir, 'empty.zip');
  await makeZip(empty, [['manifest.json', Buffer.from('{}')], ['notes.txt', Buffer.from('hello')]]);
  await t.throwsAsync(decryptArchiveZip(empty, path.join(dir, 'out2'), opts), { instanceOf: RecordingError, message: /no recordings in it/ });

  // yazl will not write a climbing name: one of the same length is patched into its bytes.
  const climbing = path.join(dir, 'climbing.zip');
  await makeZip(climbing, [[`sub/qq/qq/escaped-${STREAM}-video-1.mjr`, Buffer.from('MJR00002 but not really')]]);
  const bytes = fs.readFileSync(climbing);
  fs.writeFileSync(climbing, Buffer.from(bytes.toString('latin1').replaceAll('sub/qq/qq/', 'sub/../../'), 'latin1'));
  await t.throwsAsync(decryptArchiveZip(climbing, path.join(dir, 'out3'), opts), { instanceOf: RecordingError });

  // A plain name with content that is not a recording.
  const damaged = path.join(dir, 'damaged.zip');
  await makeZip(damaged, [[`1_x-${STREAM}-video-1.mjr`, Buffer.from('MJR00002 but not really')]]);
  await t.throwsAsync(decryptArchiveZip(damaged, path.join(dir, 'out4'), opts), { instanceOf: RecordingError });
  t.false(fs.existsSync(path.join(dir, `escaped-${STREAM}-video-1.mjr`)));
  t.false(fs.existsSync(path.join(path.dirname(dir), `escaped-${STREAM}-video-1.mjr`)));
});
