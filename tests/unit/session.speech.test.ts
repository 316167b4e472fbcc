// The kiosk's automatic speech as the session machine holds it (docs/ui.md, "Spoken guidance"):
// staff turn it on or off from any state, it changes no state, the view carries it, and it is a
// setting of the kiosk: a session's end (which wipes everything the user entered) keeps it.
import { describe, expect, it } from 'vitest';
import { ContractError } from '../../machines/contract/index.ts';
import type { SessionEffects } from '../../machines/session/index.ts';
import { CARD, selfcheckOf, settle, startSessionActor } from '../support/session-actor.ts';

const unused = async (): Promise<never> => {
  throw new ContractError('BAD_REQUEST', 'not used in this test');
};

/** A reader with CARD in it once inserted; the registry knows it as a self-applied card. */
function startKiosk() {
  let inReader = false;
  const effects: SessionEffects = {
    selfcheck: async () => selfcheckOf(true, inReader),
    readCard: async () => CARD,
    identifyCard: async () => ({ route: 'self-applied', status: 'issued', attemptsLeft: 5 }),
    verifyIdentity: unused,
    acceptCertificate: unused,
    setPin: unused,
    completeActivation: unused,
  };
  const session = startSessionActor(effects);
  const insert = () => {
    inReader = true;
    return session.send({ type: 'card.inserted', reader: 'reader-0' });
  };
  const remove = () => {
    inReader = false;
    return session.send({ type: 'card.removed', reader: 'reader-0' });
  };
  return { ...session, insert, remove };
}

describe('automatic speech, a staff setting', () => {
  it('is off until staff turn it on, and the view says so', async () => {
    const kiosk = startKiosk();
    await settle();
    expect(kiosk.view().screen).toBe('insertCard');
    expect(kiosk.view().autoSpeech).toBeUndefined();
    const on = await kiosk.send({ type: 'staff.speechOn' });
    expect(on).toMatchObject({ screen: 'insertCard', autoSpeech: true });
  });

  it('turns on and off mid-session without moving the session', async () => {
    const kiosk = startKiosk();
    await settle();
    await kiosk.insert();
    const choosing = await kiosk.send({ type: 'user.choosePath', path: 'self-applied' });
    expect(choosing.screen).toBe('enterUserCode');
    const state = choosing.state;
    const on = await kiosk.send({ type: 'staff.speechOn' });
    expect(on).toMatchObject({ screen: 'enterUserCode', state, autoSpeech: true });
    const off = await kiosk.send({ type: 'staff.speechOff' });
    expect(off).toMatchObject({ screen: 'enterUserCode', state });
    expect(off.autoSpeech).toBeUndefined();
  });

  it('outlives the session: cancelling wipes the user, not the setting', async () => {
    const kiosk = startKiosk();
    await settle();
    await kiosk.send({ type: 'staff.speechOn' });
    await kiosk.insert();
    expect(kiosk.view()).toMatchObject({ screen: 'choosePath', autoSpeech: true });
    const ended = await kiosk.send({ type: 'user.cancel' });
    expect(ended).toMatchObject({ screen: 'removeCard', autoSpeech: true });
    expect(ended.card).toBeUndefined();
    expect(await kiosk.remove()).toMatchObject({ screen: 'insertCard', autoSpeech: true });
  });
});
