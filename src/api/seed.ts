// Demo logins: an admin, a commander, an auditor and one officer per district found in the
// camera config. Created only when missing; passwords are printed by the demo, never stored.
import type { CameraConfig } from '../config/schema.ts';
import type { NewUser, UserStore } from './auth/users.ts';

export function demoUsers(cameras: CameraConfig[], password: string): NewUser[] {
  const districts = [...new Set(cameras.map((c) => c.location.district))].sort();
  return [
    { username: 'admin', displayName: '系统管理员', role: 'admin', password },
    { username: 'commander', displayName: '指挥中心 值班长', role: 'commander', password },
    { username: 'auditor', displayName: '法制审核员', role: 'auditor', password },
    ...districts.map((d, i) => ({
      username: `officer${i + 1}`,
      displayName: `${d} 执法队员`,
      role: 'officer' as const,
      password,
      scope: { districts: [d] },
    })),
  ];
}

export async function ensureUsers(store: UserStore, users: NewUser[]): Promise<NewUser[]> {
  const created: NewUser[] = [];
  for (const u of users) {
    if (await store.exists(u.username)) continue;
    await store.createUser(u);
    created.push(u);
  }
  return created;
}
