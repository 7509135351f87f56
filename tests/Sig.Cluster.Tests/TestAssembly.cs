// The cluster tests run one at a time: in-process nodes share the process's static views
// (SymbolShardEntity.Local, CrossSectionSingleton.LastPublished), and each test already runs
// three nats-servers and two or three engine nodes on the machine's cores, whose failure
// detectors and deadlines suffer when several such tests share them.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
