/** The autoscaling API group's registry: HorizontalPodAutoscalers v2 (stored) and v1 (converted). */
import type { Strategy } from '../strategy';
import { hpaV1Strategy, hpaV2Strategy } from './horizontalpodautoscalers';

/** The strategies of autoscaling/v2 and autoscaling/v1. */
export const AUTOSCALING_STRATEGIES: Strategy[] = [hpaV2Strategy, hpaV1Strategy];

export { hpaV1ToV2, hpaV2ToV1 } from './horizontalpodautoscalers';
