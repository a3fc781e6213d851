import type { OtcError } from './errors';

/**
 * Emits 'error' like EventEmitter, except that an error nobody listens to is written as a process
 * warning instead of thrown: these errors come from the network and remote peers, which the
 * application cannot prevent, and throwing from a native callback would end the process.
 * events.once()/events.on() listen to 'error', so they still reject with it.
 */
export function emitError(emitter: { emit(event: 'error', error: OtcError): boolean; listenerCount(event: 'error'): number },
  error: OtcError, warningType: string): void {
  if (emitter.listenerCount('error') > 0) emitter.emit('error', error);
  else process.emitWarning(error.message, warningType);
}
