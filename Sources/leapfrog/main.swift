import LeapfrogCommands

LeapfrogCommand.main()
