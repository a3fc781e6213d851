// The default audio module's devices from Node (otc.audio.inputDevices / outputDevices /
// selectInputDevice / selectOutputDevice) against a real PulseAudio daemon the test starts:
// what pactl lists, ids accepted and refused, and no server at all. Serial: PULSE_SERVER is
// process-wide.
import test from 'ava';
import * as otc from '../lib/index';
import { pactl, startPulseDaemon, type PulseDaemon } from './helpers/pulse-daemon';

const MODULES = [
  "load-module module-null-sink sink_name=desk sink_properties=\"device.description='Desk speakers'\"",
  "load-module module-null-sink sink_name=headset sink_properties=\"device.description='Headset'\"",
  'load-module module-null-source source_name=line_in description="Line in"',
  'set-default-sink desk',
  'set-default-source line_in',
  '',
].join('\n');

let daemon: PulseDaemon | undefined;
test.before(async () => { daemon = await startPulseDaemon(MODULES); });
test.after.always(async () => {
  otc.audio.selectInputDevice(null);
  otc.audio.selectOutputDevice(null);
  await daemon?.stop();
});

interface Listed { id: string; name: string; monitor: boolean }

/** `pactl list sources|sinks`: names and descriptions in the server's order. */
function pactlList(what: 'sources' | 'sinks'): Listed[] {
  const out: Listed[] = [];
  for (const block of pactl('list', what).split(/\n(?=\S)/)) {
    const name = /^\tName: (.*)$/m.exec(block)?.[1];
    const description = /^\tDescription: (.*)$/m.exec(block)?.[1];
    if (name === undefined || description === undefined) continue;
    const monitorOf = /^\tMonitor of Sink: (.*)$/m.exec(block)?.[1];
    out.push({ id: name, name: description, monitor: monitorOf !== undefined && monitorOf !== 'n/a' });
  }
  return out;
}

test.serial('the devices are what pactl lists: sources (real ones, then monitors) and sinks', (t) => {
  const sources = pactlList('sources');
  const sinks = pactlList('sinks');
  t.deepEqual(sinks.map(({ id, name }) => ({ id, name })),
    [{ id: 'desk', name: 'Desk speakers' }, { id: 'headset', name: 'Headset' }]);
  t.is(sources.length, 3, 'line_in and the two monitors');
  const expectedInputs = [...sources.filter((s) => !s.monitor), ...sources.filter((s) => s.monitor)]
    .map(({ id, name }) => ({ id, name }));
  t.deepEqual(otc.audio.inputDevices(), expectedInputs);
  t.is(otc.audio.inputDevices()[0]?.id, 'line_in');
  t.deepEqual(otc.audio.outputDevices(), sinks.map(({ id, name }) => ({ id, name })));
});

test.serial('selecting: the server\'s ids succeed, unknown ones are OTC_INVALID_PARAM, null is the default', (t) => {
  const { ErrorCode } = otc;
  t.is(otc.audio.selectOutputDevice('headset'), ErrorCode.OTC_SUCCESS);
  t.is(otc.audio.selectInputDevice('headset.monitor'), ErrorCode.OTC_SUCCESS);
  t.is(otc.audio.selectInputDevice('line_in'), ErrorCode.OTC_SUCCESS);
  t.is(otc.audio.selectOutputDevice('line_in'), ErrorCode.OTC_INVALID_PARAM, 'a source is no sink');
  t.is(otc.audio.selectInputDevice('no-such-source'), ErrorCode.OTC_INVALID_PARAM);
  t.is(otc.audio.selectInputDevice('line_in\u0000x'), ErrorCode.OTC_INVALID_PARAM, 'an embedded NUL');
  t.is(otc.audio.selectOutputDevice(null), ErrorCode.OTC_SUCCESS);
  t.is(otc.audio.selectInputDevice(null), ErrorCode.OTC_SUCCESS);
  // Argument mistakes are TypeErrors.
  t.throws(() => otc.audio.selectInputDevice(undefined as unknown as null), { instanceOf: TypeError });
  t.throws(() => otc.audio.selectOutputDevice(3 as unknown as string), { instanceOf: TypeError });
});

test.serial('without a server: empty lists, selecting an id is OTC_FATAL, null still succeeds', (t) => {
  const saved = process.env.PULSE_SERVER;
  process.env.PULSE_SERVER = 'unix:/nonexistent/otc-no-pulse/native';
  try {
    t.deepEqual(otc.audio.inputDevices(), []);
    t.deepEqual(otc.audio.outputDevices(), []);
    t.is(otc.audio.selectOutputDevice('desk'), otc.ErrorCode.OTC_FATAL);
    t.is(otc.audio.selectOutputDevice(null), otc.ErrorCode.OTC_SUCCESS);
  } finally {
    process.env.PULSE_SERVER = saved;
  }
});
