// Room names, shared by client and server: "#" plus 1-32 letters, digits, "-" or "_",
// unique case-insensitively. "#lobby" is everyone's room.
import type { ErrorCode } from '../common/errors.js';

export const LOBBY = '#lobby';
export const ROOM_PATTERN = /^#[A-Za-z0-9_-]{1,32}$/;

/** Rooms compare case-insensitively: "#Games" and "#games" are one room. */
export function roomKey(room: string): string {
  return room.toLowerCase();
}

/** The error code that makes `room` unusable as a room name, or undefined when it is fine. */
export function checkRoomName(room: string): ErrorCode | undefined {
  return ROOM_PATTERN.test(room) ? undefined : 'ROOM_NAME_INVALID';
}

export function isLobby(room: string): boolean {
  return roomKey(room) === LOBBY;
}
