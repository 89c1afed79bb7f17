import type { GroupChatMember } from "../../storage/group-chats.js";

// `@id` where the id runs until whitespace or sentence punctuation; ids may be any Unicode (本地助手).
const MENTION = /(^|[^\p{L}\p{N}_.-])@([^\s@,;:!?()[\]{}"'`<>]+)/gu;

/** Finds a member by its id or display name, case-insensitively (`@Codex` names member `codex`). */
export function findMember(members: readonly GroupChatMember[], name: string): GroupChatMember | undefined {
  const wanted = name.replace(/^@/, "").replace(/[.]+$/, "").toLowerCase();
  return (
    members.find((m) => m.member_id.toLowerCase() === wanted) ??
    members.find((m) => m.display_name.toLowerCase() === wanted)
  );
}

/** The members a text mentions with `@`, in order of first mention, each once (a member never mentions itself). */
export function mentionedMembers(
  text: string,
  members: readonly GroupChatMember[],
  author?: string,
): GroupChatMember[] {
  const found: GroupChatMember[] = [];
  for (const match of text.matchAll(MENTION)) {
    const member = findMember(members, match[2]!);
    if (member && member.member_id !== author && !found.includes(member)) found.push(member);
  }
  return found;
}
