// DOM events of the staff console and the inspector. All bubble and cross shadow roots; the page
// element (or its controller) handles them.
declare global {
  interface GlobalEventHandlersEventMap {
    /** A kiosk was chosen in the list. */
    'ka-staff-kiosk-select': CustomEvent<{ kioskId: string }>;
    /** Staff signed in with a passkey. */
    'ka-staff-signed-in': CustomEvent<{ session: import('./staff-session.ts').StaffSession }>;
    /** A card was taken in: show its return slip. */
    'ka-staff-return-slip': CustomEvent<{ slip: import('./return-slip/ka-staff-return-slip.ts').ReturnSlip }>;
    /** Staff asked to look for kiosks again. */
    'ka-staff-rediscover': CustomEvent<Record<string, never>>;
    /** A state of the chart was chosen in the inspector. */
    'ka-inspector-state-select': CustomEvent<{ id: string }>;
    /** Another kiosk was chosen in the inspector. */
    'ka-inspector-kiosk-select': CustomEvent<{ kioskId: string }>;
  }
}

export {};
