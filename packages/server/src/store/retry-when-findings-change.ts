import { FindingChangedError } from "./store-errors.js";

/** How often a read–plan–write of findings is tried before the conflict is reported. */
export const FINDING_WRITE_ATTEMPTS = 3;

/**
 * Runs `readPlanWrite` (read findings, decide, `applyChanges`) and runs it again from the read
 * when another writer changed one of its findings in between (`FindingChangedError`): the new
 * plan starts from what is stored now, so neither change is lost. After `attempts` conflicts
 * in a row the last one is thrown (the API answers 409).
 */
export async function retryWhenFindingsChange<T>(
  readPlanWrite: () => Promise<T>,
  attempts: number = FINDING_WRITE_ATTEMPTS,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await readPlanWrite();
    } catch (error) {
      if (!(error instanceof FindingChangedError) || attempt >= attempts) throw error;
    }
  }
}
