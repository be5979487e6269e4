// The lrsearch executable: everything lives in LRSearchCLI.
import Foundation
import LRSearchCLI

exit(LRSearch.main(CommandLine.arguments))
