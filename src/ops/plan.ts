import { getCommit, listTreeFiles } from '../adapters/git.js';
import { UsageError } from '../core/errors.js';
import { getDependencyOrder } from '../core/order.js';
import { computeOwnershipPlan, type OwnershipPlan } from '../core/plan.js';
import { loadProject, type Project, type ProjectOptions } from './common/project.js';

export interface PlanResult {
  project: Project;
  base: string;
  plan: OwnershipPlan;
  /** The order `parx down` would merge in. */
  mergeOrder: string[];
}

/** Validates the config and maps its ownership onto the files of `base`. Changes nothing. */
export async function runPlan(options: ProjectOptions = {}): Promise<PlanResult> {
  // Plan is about the config file as it is now, run or no run.
  const project = await loadProject({ ...options, fresh: true });
  return { project, base: project.base, ...(await mapOwnership(project)) };
}

/** The ownership plan of a loaded project (also the first step of `parx up`). */
export async function mapOwnership(project: Project): Promise<Omit<PlanResult, 'project' | 'base'>> {
  const files = await listTreeFiles(project.root, `refs/heads/${project.base}`).catch(async (error: unknown) => {
    await verifyBaseExists(project);
    throw error;
  });
  // Ownership is one map across machines: a hosted session's files are merged here too.
  const sessions = [...project.config.sessions, ...project.config.hosted];
  const { shared } = project.config;
  return {
    plan: computeOwnershipPlan(files, sessions, shared),
    mergeOrder: getDependencyOrder(sessions),
  };
}

export async function verifyBaseExists(project: Project): Promise<void> {
  if (!(await getCommit(project.root, `refs/heads/${project.base}`))) {
    throw new UsageError(`base branch "${project.base}" does not exist (from ${project.config.base ? project.configFile : 'the checked-out branch'})`);
  }
}
