// The simulated kubelet's entry (kwok-style nodes for scale tests and benches).
export {
  SimKubelet,
  SIMULATED_LABEL,
  SIMULATED_TAINT,
  SIM_KUBELET_VERSION,
  simulatedPlacement,
  simulatedNodeNames,
  isSimulatedRunning,
  runningStatus,
  type SimKubeletOptions,
} from './sim-kubelet';
export { seedSimulatedPods, simulatedPod, type SeedOptions } from './seed';
