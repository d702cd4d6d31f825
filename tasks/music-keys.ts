// The 88 piano keys of the music task as MIDI note numbers: A0 (21) .. C8 (108).
export const LOWEST_KEY = 21;
export const KEYS = 88;
