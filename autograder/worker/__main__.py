from autograder.worker.server import main

main()
