/**
 * Which gateway instance deals with a scheduled time when several share one set of cron jobs
 * (multi-instance mode): before firing (or recording as missed) the times in (watermark, latest], an
 * instance claims them. A claim is a per-job fence, not a per-time lock: the times up to the highest one
 * claimed so far belong to whoever claimed them, so an instance whose own watermark lags (it was down, or
 * its timer woke late) can never fire a time another instance already dealt with.
 */
export interface CronOccurrenceClaims {
  /**
   * Moves the job's fence to `latest` (epoch ms) if it is behind, and answers where the fence stood before:
   * this instance owns the times after that, up to `latest`. Answers -Infinity for a job never claimed.
   */
  claimThrough(jobId: string, latest: number): Promise<number>;
}
