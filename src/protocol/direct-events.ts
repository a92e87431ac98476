// What a client's direct-message layer (src/link/direct-chat.ts) tells its user interface: the
// chat screen and line mode render these (src/cli/render.ts), `--json` prints them, and the
// browser app can show them. They never cross the wire; they are here because the --json forms
// of `direct`, `safety-number` and `key-changed` are a contract, like the wire's messages.

/** A direct message opened on this device (or sent from it). */
export interface DirectMessageEvent {
  readonly type: 'direct';
  /** The sender's message id (the same on every device). */
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly text: string;
  /** The sealed time, ISO 8601. */
  readonly time: string;
  /** Out: this account wrote it (on this device or another of its devices). */
  readonly direction: 'in' | 'out';
  /** The sender wrote it under this earlier name (a rename since). */
  readonly sentAs?: string | undefined;
  /** Delivered from storage at login (it waited for this device), rather than live. */
  readonly stored?: boolean | undefined;
  /**
   * A file sent to one person (issue 14): its id on the server (for `/get`), the real name, size
   * and SHA-256 (the key stays in the conversation store); `text` then describes it.
   */
  readonly file?: { readonly id: string; readonly name: string; readonly size: number; readonly sha256: string } | undefined;
}

/** `/verify <name>`: the 60-digit number both sides compare. */
export interface SafetyNumberEvent {
  readonly type: 'safety-number';
  readonly name: string;
  /** Twelve groups of five digits, separated by spaces. */
  readonly number: string;
  readonly verified: boolean;
  /** Set by `/verify <name> confirm`: the mark was just made. */
  readonly confirmed?: boolean | undefined;
}

/** A contact's (or this account's own) device keys differ from the ones remembered. */
export interface KeyChangedEvent {
  readonly type: 'key-changed';
  readonly name: string;
  /** new-device: only additions; removed-device: only removals; changed: both. */
  readonly status: 'new-device' | 'removed-device' | 'changed';
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The contact had been verified: sending is refused until it is verified again. */
  readonly wasVerified: boolean;
  /** This account's own devices. */
  readonly self: boolean;
}

/** `/msg` alone: the conversations on this device, the most recent first. */
export interface ConversationsEvent {
  readonly type: 'conversations';
  readonly conversations: readonly { readonly name: string; readonly messages: number; readonly unread: number; readonly last: string }[];
}

/** `/history @name [n]`: a page of one conversation, oldest first. */
export interface DirectHistoryEvent {
  readonly type: 'direct-history';
  readonly name: string;
  readonly messages: readonly { readonly id: string; readonly from: string; readonly to: string; readonly text: string; readonly time: string; readonly direction: 'in' | 'out' }[];
  /** Older messages exist (ask again for them). */
  readonly more: boolean;
}

/** Something worth a sentence that is not an error (a profile's permissions were tightened). */
export interface DirectNoticeEvent {
  readonly type: 'direct-notice';
  readonly text: string;
}

export type DirectEvent = DirectMessageEvent | SafetyNumberEvent | KeyChangedEvent | ConversationsEvent | DirectHistoryEvent | DirectNoticeEvent;
