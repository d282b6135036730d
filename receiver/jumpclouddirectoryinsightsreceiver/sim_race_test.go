//go:build race

package jumpclouddirectoryinsightsreceiver

// simRace: the race detector slows the simulation about threefold (simDefaultSeeds).
const simRace = true
